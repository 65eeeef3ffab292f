import streamlit as st

st.title("Compare")
st.info("Coming next: send one prompt to several models side by side and compare answers, speed and cost.")
